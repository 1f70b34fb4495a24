"""Deadlines and late work: when each submission came in, and what the course's late policy takes off.

Applied after grading, to the stored records (:func:`apply_late_policy`): a changed deadline, a new
extension or a corrected timestamp never costs a regrade, and every record keeps its raw points
(``points_before``) beside the penalised ones (``points``).

When a submission came in, first source that has it:

1. the course's timestamps CSV (``deadline.timestamps``: columns ``submission,submitted``);
2. nbgrader's ``timestamp.txt`` in the student's ``submitted/<student>/<assignment>/`` folder
   (written by ``nbgrader submit``/``collect``; a time without a zone is UTC, as nbgrader writes it);
3. the newest modification time of the handed-in files (a fallback: copying files may reset it,
   unzipping usually keeps it). The record says which source was used.

The penalty: lateness is measured from the deadline that applies (the student's extension, or the
course's); within ``grace_minutes`` it is 0. Beyond it, each started day (or hour) costs
``penalty_percent`` of the points earned, up to ``max_penalty_percent``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from grader.course.load import LoadedCourse
from grader.course.schema import LatePolicy
from grader.errors import UsageError
from grader.report.records_json import read_submission_json, write_submission_json
from grader.results import LateInfo, SubmissionResult

UNIT_SECONDS = {"day": 86_400.0, "hour": 3_600.0}
NBGRADER_TIMESTAMP = "timestamp.txt"
MAX_TABLE_BYTES = 20 * 1024 * 1024


def parse_time(text: str, where: str, naive_is_utc: bool = False) -> datetime:
    """An ISO 8601 time (``2026-12-01T23:59:00+01:00``, ``...Z``, or nbgrader's ``2026-12-01 22:59:00.123456 UTC``)."""
    cleaned = text.strip()
    if cleaned.endswith(" UTC"):
        cleaned, naive_is_utc = cleaned[:-4], True
    try:
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{where}: {text.strip()[:60]!r} is not a time; expected ISO 8601 such as 2026-12-01T23:59:00+01:00") from None
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise UsageError(f"{where}: {text.strip()[:60]!r} has no UTC offset; write it as e.g. 2026-12-01T23:59:00+01:00")
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def read_times(path: Path, column: str) -> dict[str, datetime]:
    """A two-column CSV ``submission,<column>`` (an extensions or timestamps file): submission name -> time."""
    try:
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise UsageError(f"{path}: larger than {MAX_TABLE_BYTES // (1024 * 1024)} MiB; is this the right file?")
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror}); it is named in course.yaml's deadline") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text (byte {error.start})") from None
    headers = [h.strip().casefold() for h in rows[0]] if rows else []
    if "submission" not in headers or column not in headers:
        raise UsageError(f"{path}: expected the columns `submission,{column}` (found: {', '.join(rows[0]) if rows else 'nothing'})")
    name_at, time_at = headers.index("submission"), headers.index(column)
    times: dict[str, datetime] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(name_at, time_at):
            raise UsageError(f"{path}:{line}: expected a `submission` and a `{column}` cell")
        times[row[name_at].strip()] = parse_time(row[time_at], f"{path}:{line}")
    return times


def submission_time(folder: Path, name: str, timestamps: dict[str, datetime] | None) -> tuple[datetime, str] | None:
    """When the submission came in and from which source (see the module docstring); None when nothing tells."""
    if timestamps is not None and name in timestamps:
        return timestamps[name], "timestamps CSV"
    stamp = folder / NBGRADER_TIMESTAMP
    if stamp.is_file() and not stamp.is_symlink() and stamp.stat().st_size < 1024:
        return parse_time(stamp.read_text(encoding="utf-8", errors="replace"), str(stamp), naive_is_utc=True), "nbgrader timestamp.txt"
    newest = _newest_file_time(folder)
    return (newest, "file times") if newest is not None else None


def _newest_file_time(folder: Path) -> datetime | None:
    times = []
    for pattern in ("*.py", "*.ipynb", "exercises/*.py"):
        times += [p.lstat().st_mtime for p in folder.glob(pattern) if p.is_file() and not p.is_symlink()]
    return datetime.fromtimestamp(max(times), tz=timezone.utc) if times else None


def penalty_percent(policy: LatePolicy, late_seconds: float) -> float:
    """The share of the points taken off for being ``late_seconds`` late (0 within the grace period)."""
    if late_seconds <= policy.grace_minutes * 60:
        return 0.0
    units = math.ceil(late_seconds / UNIT_SECONDS[policy.per])
    return min(policy.max_penalty_percent, units * policy.penalty_percent)


def late_info(result: SubmissionResult, policy: LatePolicy, due: datetime, submitted: datetime, source: str) -> LateInfo:
    late_seconds = max(0.0, (submitted - due).total_seconds())
    percent = penalty_percent(policy, late_seconds)
    if late_seconds <= policy.grace_minutes * 60:
        late_seconds = 0.0
    return LateInfo(
        submitted=submitted.astimezone(timezone.utc).isoformat(),
        source=source,
        due=due.isoformat(),
        late_seconds=late_seconds,
        penalty_percent=percent,
        points_before=result.points,
        points=round(result.points * (1 - percent / 100), 6),
    )


def apply_late_policy(loaded: LoadedCourse, records: list[Path]) -> int:
    """Store each record's :class:`LateInfo` (or drop it when the course has no deadline); returns the records rewritten.

    A record whose late verdict is already right is not written again.
    """
    policy = loaded.course.deadline
    extensions = read_times(loaded.root / policy.extensions, "due") if policy and policy.extensions else {}
    timestamps = read_times(loaded.root / policy.timestamps, "submitted") if policy and policy.timestamps else None
    rewritten = 0
    for path in records:
        try:
            result = read_submission_json(path)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # reported by the gradebook's rebuild, which reads every record too
        late = None
        if policy is not None:
            found = submission_time(Path(result.path), result.submission, timestamps)
            if found is not None:
                late = late_info(result, policy, extensions.get(result.submission, policy.due), *found)
        if late != result.late:
            write_submission_json(path.parent, replace(result, late=late))
            rewritten += 1
    return rewritten


def describe(late: LateInfo | None) -> str:
    """One line for pages and the terminal: on time, or how late and what it cost."""
    if late is None:
        return ""
    if late.late_seconds <= 0:
        return f"on time (submitted {late.submitted[:16].replace('T', ' ')} UTC, from {late.source})"
    hours = late.late_seconds / 3600
    amount = f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
    return (
        f"submitted {amount} late (from {late.source}): -{late.penalty_percent:g}%, "
        f"{_points(late.points)} instead of {_points(late.points_before)} points"
    )


def _points(value: float) -> str:
    return f"{value:g}"


__all__ = ["apply_late_policy", "describe", "late_info", "parse_time", "penalty_percent", "read_times", "submission_time"]
